# Mail: three units share one SQLite database (accounts, queue state), so the
# backup stops them, checkpoints and copies, then starts them again. Mail is
# backed up every hour, to both repositories, and kept longer.
{ atelier, pkgs, ... }:
{
  imports = [
    (atelier.lib.mkService {
      name = "mail";
      description = "Mail server";
      extraConfig = cfg: {
        atelier.services.mail.data = {
          sqlite = [ "${cfg.dataDir}/mail.sqlite" ];
          files = [ "${cfg.dataDir}" ];
          exclude = [ "queue/tmp" ];
          stopForBackup = true;
          stopUnits = [
            "mail-smtp.service"
            "mail-imap.service"
            "mail-spam.service"
          ];
          schedule = "hourly";
          randomizedDelay = "5m";
          retention = {
            hourly = 24;
            daily = 14;
            weekly = 8;
            monthly = 24;
          };
          repositories = [
            "local"
            "offsite"
          ];
          tags = [ "mail" ];
          hooks.preBackup = "${pkgs.coreutils}/bin/sync";
        };
      };
    })
  ];
}
