{ atelier, pkgs, ... }:
{
  imports = [
    (atelier.lib.mkService {
      name = "ldap";
      extraConfig = cfg: {
        atelier.services.ldap.data = {
          dumps.directory = {
            backupCmd = "${pkgs.openldap}/bin/slapcat -n 1";
            restoreCmd = "${pkgs.openldap}/bin/slapadd -n 1";
            user = "openldap";
            backupName = "directory.ldif";
          };
          dumps.config = {
            backupCmd = "cat /etc/ldap.conf";
            restoreCmd = "tee /etc/ldap.conf";
          };
          hooks = {
            preBackup = "echo starting";
            postRestore = "${pkgs.systemd}/bin/systemctl restart ldap";
          };
          check = "test -s directory.ldif";
          stopForBackup = true;
          stopUnits = [ "openldap.service" "ldap-sync.timer" ];
        };
      };
    })
  ];
  atelier.services.ldap.enable = true;
  atelier.backup = {
    enable = true;
    repositories.default = {
      repository = "/srv/restic";
      passwordFile = "/run/keys/restic";
    };
  };
}
