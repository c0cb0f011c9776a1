# Imported by path from two modules: one module.
{
  atelier.backup.services.common.paths = [ "/srv/common" ];
}
