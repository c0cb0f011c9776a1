{ atelier, ... }:
{
  imports = [
    (atelier.lib.mkService {
      name = "photos";
      extraConfig = cfg: {
        atelier.services.photos.data.files = [ "${cfg.dataDir}/library" ];
      };
    })
  ];
}
