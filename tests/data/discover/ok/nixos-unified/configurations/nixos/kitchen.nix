{ flake, ... }:
let
  inherit (flake.inputs) self;
in
{
  imports = [ self.nixosModules.backup self.nixosModules.recipes ];
  atelier.services.recipes.enable = true;
}
