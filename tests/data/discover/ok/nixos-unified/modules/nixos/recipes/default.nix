{ flake, ... }:
{
  imports = [
    (flake.inputs.atelier.lib.mkService {
      name = "recipes";
      extraConfig = cfg: {
        atelier.services.recipes.data.sqlite = "${cfg.dataDir}/recipes.sqlite3";
      };
    })
  ];
}
