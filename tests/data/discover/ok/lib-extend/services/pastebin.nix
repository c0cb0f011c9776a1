{ atelier, ... }:
{
  imports = [
    (atelier.lib.mkService {
      name = "pastebin";
      extraConfig = cfg: {
        atelier.services.pastebin.data.sqlite = "${cfg.dataDir}/paste.db";
      };
    })
  ];
}
