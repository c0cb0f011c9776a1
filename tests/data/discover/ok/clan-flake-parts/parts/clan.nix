{ self, inputs, ... }:
{
  imports = [ inputs.clan-core.flakeModules.default ];
  clan = {
    inherit self;
    meta.name = "home";
    specialArgs = { inherit (inputs) atelier; };
  };
}
