# Hosts whose data path comes from a flake input only its source knows;
# tests/gen_inputs.rs writes flake.lock (URLs on its local server).
{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
  inputs.helpers.url = "https://example.invalid/helpers.tar.gz";
  inputs.broken.url = "https://example.invalid/broken.tar.gz";
  inputs.atelier.url = "github:example/atelier";
  outputs = { nixpkgs, helpers, broken, atelier, ... }:
    let
      host = h: nixpkgs.lib.nixosSystem {
        specialArgs = { inherit atelier; dataDir = h.lib.dataDir "chat"; };
        modules = [ ./host.nix ];
      };
    in
    {
      nixosConfigurations.good = host helpers;
      nixosConfigurations.bad = host broken;
    };
}
