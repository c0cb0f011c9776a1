# clan-core's flake module in flake-parts, without its source: the clan
# is written in two flake modules (`clan = { ... }` and
# `flake.clan.inventory...`), hosts come out as `flake.nixosConfigurations`.
{
  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
    flake-parts.url = "github:hercules-ci/flake-parts";
    clan-core.url = "https://git.clan.lol/clan/clan-core/archive/main.tar.gz";
    atelier.url = "path:../../../../..";
  };
  outputs = inputs@{ flake-parts, ... }:
    flake-parts.lib.mkFlake { inherit inputs; } {
      systems = [ "x86_64-linux" ];
      imports = [ ./parts/clan.nix ./parts/inventory.nix ];
    };
}
