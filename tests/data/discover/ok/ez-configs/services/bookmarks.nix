{ atelier, ... }:
{
  imports = [
    (atelier.lib.mkService {
      name = "bookmarks";
      extraConfig = cfg: {
        atelier.services.bookmarks.data.files = [ "${cfg.dataDir}/export" ];
      };
    })
  ];
}
