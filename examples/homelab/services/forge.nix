# A git forge: repositories as files, its database is SQLite.
{ atelier, ... }:
{
  imports = [
    (atelier.lib.mkService {
      name = "forge";
      description = "Git forge";
      extraConfig = cfg: {
        atelier.services.forge.data = {
          sqlite = "${cfg.dataDir}/data/forge.db";
          files = [ "${cfg.dataDir}/repositories" ];
          exclude = [ "*.lock" ];
        };
      };
    })
  ];
}
