{
  my.radio.enable = true;
  my.radio.library = "tapes";
  my.backup.repository = "/srv/restic";
}
