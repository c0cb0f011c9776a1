# numtide/flake-utils without its source: the hosts written beside
# `eachDefaultSystem`'s per-system outputs (`{ nixosConfigurations = …; }
# // eachDefaultSystem (system: { packages = …; })`) are all there; its
# per-system outputs are never read. In pure flake evaluation `builtins`
# has no `currentSystem`, so no system is added to the list. The hosts are
# made through `nixpkgs.lib // flake-utils.lib`: the names of flake-utils'
# lib are known, so that merge keeps nixpkgs' `nixosSystem`.
{
  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";
    flake-utils.url = "github:numtide/flake-utils";
    atelier.url = "path:../../../../..";
  };
  outputs = { self, nixpkgs, flake-utils, atelier, ... }:
    let
      lib = nixpkgs.lib // flake-utils.lib;
      mkHost = name: lib.nixosSystem {
        system = flake-utils.lib.system.x86_64-linux;
        specialArgs = { inherit atelier; };
        modules = [ atelier.nixosModules.default ./host.nix { networking.hostName = name; } ];
      };
    in
    {
      nixosConfigurations = lib.genAttrs [ "box" ] mkHost;
    }
    // lib.eachDefaultSystem (system:
      let pkgs = nixpkgs.legacyPackages.${system}; in
      {
        packages.default = pkgs.hello;
        devShells.default = pkgs.mkShell { packages = [ pkgs.restic ]; };
      })
    // flake-utils.lib.eachSystem [ "x86_64-linux" "aarch64-linux" ] (system: {
      checks.box = self.nixosConfigurations.box.config.system.build.toplevel;
    })
    // {
      formatterSystems = builtins.attrNames (flake-utils.lib.eachSystemMap flake-utils.lib.defaultSystems (s: s));
    };
}
