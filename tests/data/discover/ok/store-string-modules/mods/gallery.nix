{ atelier, ... }:
{
  imports = [
    (atelier.lib.mkService {
      name = "gallery";
      extraConfig = cfg: {
        atelier.services.gallery.data.files = [ "${cfg.dataDir}/gallery" ];
      };
    })
  ];
}
