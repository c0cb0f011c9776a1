# Hosts planned from a fetched nixpkgs-shaped input; tests/gen_inputs.rs
# writes flake.lock (its URL on the test's local server) and copies host.nix
# from ../fetched.
{
  inputs.nixpkgs.url = "https://example.invalid/nixpkgs.tar.gz";
  inputs.atelier.url = "github:example/atelier";
  outputs = { nixpkgs, atelier, ... }:
    let
      host = dataDir: modules: nixpkgs.lib.nixosSystem {
        specialArgs = { inherit atelier dataDir; };
        modules = [ ./host.nix ] ++ modules;
      };
    in
    {
      # Reads lib/ and a NixOS module by path: kept in a pruned copy.
      nixosConfigurations.lib = host (nixpkgs.lib.dataDir "chat") [
        "${nixpkgs}/nixos/modules/profiles/minimal.nix"
      ];
      # Reads pkgs/: only the whole source has it.
      nixosConfigurations.pkgs = host (import "${nixpkgs}/pkgs/top-level/data-dir.nix" "chat") [ ];
      # Imports a module from nixos/tests/: only the whole source has it.
      nixosConfigurations.tests = host (nixpkgs.lib.dataDir "chat") [
        "${nixpkgs}/nixos/tests/common.nix"
      ];
    };
}
