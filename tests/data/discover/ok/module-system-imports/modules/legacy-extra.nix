{
  atelier.backup.services.legacy-extra.paths = [ "/srv/legacy-extra" ];
}
