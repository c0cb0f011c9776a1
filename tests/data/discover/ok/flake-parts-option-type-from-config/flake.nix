# An option whose type is another option's value (`type =
# config.kit.machineTable`, a library of types the flake's modules share;
# den's `nixModule`, sini/nix-config), read by atelier-gen's built-in
# flake-parts: as in Nix, `config` does not depend on that type, so reading
# `config.kit` while the type is read is no recursion, and the machines'
# submodule gives them its options' defaults (`paths`).
{
  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";
    flake-parts.url = "github:hercules-ci/flake-parts";
    atelier.url = "path:../../../../..";
  };
  outputs = inputs:
    inputs.flake-parts.lib.mkFlake { inherit inputs; } {
      systems = [ "x86_64-linux" ];
      imports = [ ./kit.nix ./machines.nix ./alpha.nix ];
    };
}
