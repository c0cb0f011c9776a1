# A notes app with a SQLite database and attachments.
{ atelier, ... }:
{
  imports = [
    (atelier.lib.mkService {
      name = "notes";
      extraConfig = cfg: {
        atelier.services.notes.data = {
          sqlite = [ "${cfg.dataDir}/notes.db" ];
          files = [ "${cfg.dataDir}/attachments" ];
        };
      };
    })
  ];
}
