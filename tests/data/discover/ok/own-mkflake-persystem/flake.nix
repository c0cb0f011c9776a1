# A flake that writes its own `mkFlake` (as hlissner/dotfiles does): the
# outputs are the flake's other arguments, filtered by name, `//` the hosts
# `//` a deep merge of per-system sets. Each per-system set keeps only the
# outputs that are not empty for that system, and whether a package is
# built for a system is read from its `meta.platforms`, which only Nix
# knows (the packages come from `pkgs.callPackage`, `pkgs` from an input
# without its source here).
# So those sets' names are unknown, but only among `apps`, `checks` and
# `packages`: `nixosConfigurations` is certainly the host table.
{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";
  inputs.pkgs-src.url = "github:example/packages";
  inputs.atelier.url = "path:../../../../..";
  outputs = inputs @ { self, nixpkgs, ... }:
    let
      lib = import ./lib { inherit (nixpkgs) lib; };
    in
    lib.mkFlake inputs {
      systems = [ "x86_64-linux" "aarch64-linux" ];
      hosts = lib.mapHosts ./hosts;
      packages = { hello = ./packages/hello.nix; };
      apps = { };
      description = "mine";
    };
}
