# The nixpkgs version from flake.lock (no nixpkgs source here): unstable
# locked on 2025-08-01 is 25.11 (suffix `.<date>.<shortRev>`, as nixpkgs'
# flake gives), a nixos-24.05 branch is 24.05. The host's name shows both;
# flake-parts' check (`compareVersions lib.version minVersion`) keeps it.
{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
  inputs.stable.url = "github:NixOS/nixpkgs/nixos-24.05";
  outputs = { nixpkgs, stable, ... }:
    let lib = nixpkgs.lib; in
    {
      nixosConfigurations = lib.optionalAttrs (builtins.compareVersions lib.version "23.05pre-git" >= 0) {
        "box-${lib.version}-${stable.lib.trivial.release}-${lib.trivial.revisionWithDefault "none"}" =
          lib.nixosSystem { system = "x86_64-linux"; modules = [ { networking.hostName = "box"; } ]; };
      };
    };
}
