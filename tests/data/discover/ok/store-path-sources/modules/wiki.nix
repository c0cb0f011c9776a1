{ atelier, ... }:
{
  imports = [
    (atelier.lib.mkService {
      name = "wiki";
      extraConfig = cfg: {
        atelier.services.wiki.data = {
          # A data path built from the service's data directory never
          # involves the store; a hook script from the flake is the store
          # path Nix copies it to.
          files = [ "${cfg.dataDir}/uploads" ];
          hooks.preBackup = "${./pre-backup.sh}";
        };
      };
    })
  ];
  atelier.services.wiki.enable = true;
}
