# A service the host declares but does not enable: an unread import could
# enable it.
{ atelier, ... }:
{
  imports = [
    (atelier.lib.mkService {
      name = "wiki";
      extraConfig = cfg: {
        atelier.services.wiki.data.files = [ "${cfg.dataDir}/pages" ];
      };
    })
  ];
}
