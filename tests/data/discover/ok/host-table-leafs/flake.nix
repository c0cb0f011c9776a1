# Two idioms of easy-hosts-style flakes (hurricanehrndz/nixcfg,
# tommy-donavon/nixos-dots): a flake module keeps each host's nixpkgs in a
# host table (`hosts.<name>.nixpkgs`, default `inputs.nixpkgs`, declared by
# a module of the flake and merged with the others' definitions), and
# `nixosModules` are made from import-tree's `.map`/`.leafs`; modules per
# class come from a `functionTo (submodule ...)` option. nixpkgs is
# declared as an attribute set, not a URL.
{
  inputs = {
    nixpkgs = { type = "github"; owner = "NixOS"; repo = "nixpkgs"; ref = "nixos-26.05"; };
    flake-parts.url = "github:hercules-ci/flake-parts";
    import-tree.url = "github:vic/import-tree";
    atelier.url = "path:../../../../..";
  };
  outputs = inputs: inputs.flake-parts.lib.mkFlake { inherit inputs; } {
    imports = [ ./flake/hosts.nix ./flake/modules.nix ];
    systems = [ "x86_64-linux" ];
    hosts.box = { };
    perClass = class: { modules = [ ./classes/${class}.nix ]; };
  };
}
