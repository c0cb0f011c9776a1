# nix-darwin beside NixOS hosts, without its source: its `lib`'s names are
# known (`darwinSystem`, `evalConfig`), so `nixpkgs.lib // darwin.lib`
# keeps nixpkgs' functions, and its flake module (which only declares
# `flake.darwinConfigurations`) hides no NixOS host: no warning.
{
  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";
    darwin.url = "github:nix-darwin/nix-darwin";
    darwin.inputs.nixpkgs.follows = "nixpkgs";
    flake-parts.url = "github:hercules-ci/flake-parts";
    atelier.url = "path:../../../../..";
  };
  outputs = inputs@{ flake-parts, nixpkgs, darwin, atelier, ... }:
    flake-parts.lib.mkFlake { inherit inputs; } {
      imports = [ darwin.flakeModules.default ];
      systems = [ "x86_64-linux" "aarch64-darwin" ];
      flake =
        let lib = nixpkgs.lib // darwin.lib; in
        {
          nixosConfigurations.box = lib.nixosSystem {
            system = "x86_64-linux";
            specialArgs = { inherit atelier; };
            modules = [ atelier.nixosModules.default ./host.nix { networking.hostName = "box"; } ];
          };
          darwinConfigurations.mac = lib.darwinSystem { modules = [ ]; };
        };
    };
}
