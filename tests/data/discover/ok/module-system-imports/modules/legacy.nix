# Disabled by the host: neither it nor what only it imports counts.
{
  imports = [ ./legacy-extra.nix ./common.nix ];
  atelier.backup.services.legacy.paths = [ "/srv/legacy" ];
}
