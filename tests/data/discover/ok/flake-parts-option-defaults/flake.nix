# A host table of the flake's own (`machines`, `attrsOf (submodule …)`)
# whose options have defaults, read by atelier-gen's built-in flake-parts.
# As in the module system, an option's `default` is a definition of
# priority 1500 (`mkOptionDefault`) that any other definition replaces:
# `nixpkgs = inputs.stable` is that input, not its attributes merged over
# the default's (easy-hosts, pagusupu/snow); `paths` and `retention` are
# alpha's alone. A `mkDefault` gives way to a plain definition and
# everything to a `mkForce`, whichever module comes last; an option nothing
# defines keeps its default.
{
  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
    stable.url = "github:NixOS/nixpkgs/nixos-26.05";
    flake-parts.url = "github:hercules-ci/flake-parts";
    atelier.url = "path:../../../../..";
  };
  outputs = inputs:
    inputs.flake-parts.lib.mkFlake { inherit inputs; } {
      systems = [ "x86_64-linux" ];
      imports = [ ./machines.nix ./alpha.nix ./overrides.nix ];
    };
}
