# clan-core's flake module in flake-parts, without its source, given no
# `self`: as clan-core's flake module does, the clan gets the flake's `self`
# (so `machines/` is found in the flake's directory), and a flake module
# reads `self.nixosModules` for an inventory role's `extraModules`.
{
  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
    flake-parts.url = "github:hercules-ci/flake-parts";
    clan-core.url = "https://git.clan.lol/clan/clan-core/archive/main.tar.gz";
    atelier.url = "path:../../../../..";
  };
  outputs = inputs@{ flake-parts, clan-core, ... }:
    flake-parts.lib.mkFlake { inherit inputs; } {
      systems = [ "x86_64-linux" ];
      imports = [ clan-core.flakeModules.default ./clan.nix ];
      flake.nixosModules.backup = ./services/backup.nix;
    };
}
