{ config, lib, ... }:
let
  cfg = config.my.notes;
in
{
  options.my.notes = {
    dirs = lib.mkOption {
      type = lib.types.lines;
      default = "";
      description = "Directories of notes, one per line.";
    };
    attachments = lib.mkOption {
      type = lib.types.coercedTo lib.types.str (dir: [ dir ]) (lib.types.listOf lib.types.str);
      default = [ ];
    };
  };
  config = {
    my.notes.dirs = "/srv/notes";
    my.notes.attachments = "/srv/attachments";
    atelier.backup.services.notes = {
      paths = lib.filter (d: d != "") (lib.splitString "\n" cfg.dirs) ++ cfg.attachments;
      schedule = "04:00";
    };
  };
}
