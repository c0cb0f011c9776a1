# snowfall-lib: hosts from systems/<arch>-linux/<host>, every
# modules/nixos/**/default.nix on every host, the flake's lib as
# lib.<namespace>; darwin systems are not NixOS hosts.
{
  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";
    snowfall-lib.url = "github:snowfallorg/lib";
    snowfall-lib.inputs.nixpkgs.follows = "nixpkgs";
    atelier.url = "path:../../../../..";
  };
  outputs = inputs:
    inputs.snowfall-lib.mkFlake {
      inherit inputs;
      src = inputs.nixpkgs.lib.cleanSource ./.;
      snowfall.namespace = "home";
      systems.modules.nixos = [ inputs.atelier.nixosModules.default ];
      systems.hosts.box.specialArgs = { inherit (inputs) atelier; };
    };
}
