# One host in each state `plan` reports: planned, no atelier data, partly
# read (an `imports` only an unread input knows), not readable (its
# configuration comes from an input atelier-gen has no knowledge of).
{
  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";
    atelier.url = "path:../../../..";
    helpers.url = "github:example/nix-helpers";
  };
  outputs = { nixpkgs, atelier, helpers, ... }:
    let
      host = modules: nixpkgs.lib.nixosSystem {
        specialArgs = { inherit atelier helpers; };
        modules = [ atelier.nixosModules.default ] ++ modules;
      };
    in
    {
      nixosConfigurations = {
        planned = host [ ./hosts/planned.nix ];
        bare = host [ ./hosts/bare.nix ];
        partial = host [ ./hosts/planned.nix ./hosts/wiki.nix ./hosts/partial.nix ];
        external = helpers.lib.mkSystem { hostName = "external"; };
      };
    };
}
