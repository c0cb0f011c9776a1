# atlas: the main server. Photos, the wiki (PostgreSQL), the LDAP directory,
# mail (several units) and a legacy CMS registered by hand.
{ ... }:
let
  services = [
    ../../services/photos.nix
    ../../services/wiki.nix
    ../../services/directory.nix
    ../../services/mail.nix
  ];
in
{
  imports = services ++ [ ./legacy-cms.nix ];

  networking.hostName = "atlas";

  atelier.services.photos.enable = true;
  atelier.services.wiki.enable = true;
  atelier.services.directory.enable = true;
  atelier.services.mail.enable = true;

  # A second, off-site repository; its location holds credentials, so it is
  # read from a file at run time.
  atelier.backup.repositories.offsite = {
    repositoryFile = "/run/agenix/restic-offsite-repo";
    passwordFile = "/run/agenix/restic-offsite-password";
    environmentFile = "/run/agenix/restic-offsite-env";
  };

  # The wiki's PostgreSQL listens on the usual socket; dumps run as `postgres`.
  atelier.backup.postgres = {
    host = "/run/postgresql";
    port = 5432;
  };
}
