# The host the real-systemd tests boot (tests/systemd_real.rs). The test copies
# this directory, points `inputs.atelier` at the checkout and runs
# `atelier-gen generate` on the copy, then renders the units through the
# nixos-eval harness.
{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";
  inputs.atelier.url = "path:../../..";

  outputs =
    { nixpkgs, atelier, ... }:
    {
      nixosConfigurations.realhost = nixpkgs.lib.nixosSystem {
        system = "x86_64-linux";
        specialArgs = { inherit atelier; };
        modules = [
          atelier.nixosModules.default
          ./services.nix
          ./host.nix
          ./generated/realhost.nix
        ];
      };
    };
}
