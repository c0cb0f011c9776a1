{ ezModules, lib, ... }:
{
  imports = [ ezModules.calendar ]
    ++ lib.fileset.toList (lib.fileset.fileFilter (file: file.hasExt "nix") ../services);
  atelier.services.calendar.enable = true;
  atelier.services.bookmarks.enable = true;
}
