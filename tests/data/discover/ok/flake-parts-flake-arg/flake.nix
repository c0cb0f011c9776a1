# flake-parts, hosts written in its `flake` argument; `@inputs`,
# perSystem (ignored) and an input that follows another.
{
  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";
    flake-parts.url = "github:hercules-ci/flake-parts";
    flake-parts.inputs.nixpkgs-lib.follows = "nixpkgs";
    stable.follows = "nixpkgs";
    atelier.url = "path:../../../../..";
  };
  outputs = inputs@{ flake-parts, stable, atelier, ... }:
    flake-parts.lib.mkFlake { inherit inputs; } {
      systems = [ "x86_64-linux" ];
      perSystem = { pkgs, ... }: {
        packages.default = pkgs.hello;
      };
      flake = {
        nixosConfigurations.box = stable.lib.nixosSystem {
          specialArgs = { inherit atelier; };
          modules = [ atelier.nixosModules.default ./host.nix ];
        };
      };
    };
}
