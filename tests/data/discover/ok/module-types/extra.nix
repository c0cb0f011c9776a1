{ lib, ... }:
{
  my.notes.dirs = lib.mkAfter "/srv/journal";
  my.notes.attachments = [ "/srv/inbox" "/srv/scans" ];
}
