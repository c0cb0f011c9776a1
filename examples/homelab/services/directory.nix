# The LDAP directory, backed up through the generic dump contract: slapcat
# writes an LDIF to stdout, slapadd reads it back.
{ atelier, pkgs, ... }:
{
  imports = [
    (atelier.lib.mkService {
      name = "directory";
      description = "OpenLDAP directory";
      extraConfig = cfg: {
        atelier.services.directory.data = {
          dumps.ldap = {
            backupCmd = "${pkgs.openldap}/bin/slapcat -F /etc/openldap/slapd.d -n 1";
            restoreCmd = "${pkgs.openldap}/bin/slapadd -F /etc/openldap/slapd.d -n 1 -w";
            user = "openldap";
            backupName = "directory.ldif";
          };
          stopUnits = [ "openldap.service" ];
        };
      };
    })
  ];
}
