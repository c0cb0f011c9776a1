# The layer of ok/layer-guarded-options refusing a host: the host defines
# `nixpkgs.overlays`, an option the guard module declares only to read its
# `isDefined`, so the check throws (as Nix does) and the host is an error,
# not a plan.
{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";
  inputs.atelier.url = "path:../../../../..";
  outputs = { nixpkgs, atelier, ... }:
    let
      layer = import ./layer.nix { inherit (nixpkgs) lib; };
    in
    {
      nixosConfigurations.gamma = layer (import ./gamma.nix { inherit nixpkgs atelier; });
    };
}
