# Hosts whose nixpkgs is pinned by `builtins.fetchTarball`, not a flake
# input (azuwis/nix-config); tests/gen_inputs.rs writes the pin's URL (on
# its local server) and sha256 in place of @URL@ and @SHA256@, and copies
# host.nix from ../fetched.
{
  inputs.atelier.url = "github:example/atelier";
  outputs = { atelier, ... }:
    let
      nixpkgs = builtins.fetchTarball {
        url = "@URL@";
        sha256 = "@SHA256@";
      };
      # nixpkgs' lib/ has no `nixosSystem` (its flake.nix adds it).
      lib = import (nixpkgs + "/lib");
      evalConfig = import (nixpkgs + "/nixos/lib/eval-config.nix");
      host = import ./host.nix { inherit atelier; dataDir = lib.dataDir "chat"; };
      specialArgs = { inherit atelier; dataDir = lib.dataDir "chat"; };
    in
    {
      nixosConfigurations.eval-config = evalConfig {
        inherit specialArgs;
        modules = [ ./host.nix ];
      };
      # The package set's `path` is the pin's store path, read back as the source.
      nixosConfigurations.pkgs =
        let pkgs = import nixpkgs { system = "x86_64-linux"; };
        in import (pkgs.path + "/nixos/lib/eval-config.nix") {
          specialArgs = { inherit atelier; dataDir = pkgs.lib.dataDir "chat"; };
          modules = [ ./host.nix ];
        };
      # nixos/default.nix, as azuwis/nix-config builds its hosts.
      nixosConfigurations.nixos = import "${nixpkgs}/nixos" {
        system = null;
        configuration = host;
      };
      # pkgs/ is not kept of a fetched nixpkgs.
      nixosConfigurations.pruned = evalConfig {
        specialArgs = specialArgs // { dataDir = import "${nixpkgs}/pkgs/top-level/data-dir.nix" "chat"; };
        modules = [ ./host.nix ];
      };
    };
}
