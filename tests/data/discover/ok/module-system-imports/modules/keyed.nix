# Imported as a value (not a path) from two modules: its `key` makes it one module.
{
  key = "keyed-archive";
  config.atelier.backup.services.archive.paths = [ "/srv/archive" ];
}
