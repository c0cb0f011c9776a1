{ atelier, dataDir, ... }:
{
  imports = [
    (atelier.lib.mkService {
      name = "chat";
      extraConfig = cfg: { atelier.services.chat.data.sqlite = "${dataDir}/chat.db"; };
    })
  ];
  atelier.services.chat.enable = true;
  atelier.backup = {
    enable = true;
    repositories.default = {
      repository = "/srv/restic";
      passwordFile = "/run/keys/restic";
    };
  };
}
