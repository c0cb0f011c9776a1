{ atelier, ... }:
{
  imports = [
    (atelier.lib.mkService {
      name = "forum";
      extraConfig = cfg: { atelier.services.forum.data.postgres = "forum"; };
    })
  ];
  atelier.services.forum.enable = true;
  atelier.backup = {
    enable = true;
    repositories.default = {
      repository = "/srv/restic/cloud";
      passwordFile = "/run/keys/restic";
    };
  };
}
