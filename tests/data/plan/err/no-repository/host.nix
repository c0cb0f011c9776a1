{ ... }:
{
  atelier.backup.enable = true;
  atelier.backup.services.app.paths = [ "/srv/app" ];
}
