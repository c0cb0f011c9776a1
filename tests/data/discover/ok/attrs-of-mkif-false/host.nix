{
  my.jobs.notes.paths = [ "/srv/notes" ];
  my.archives.photos.paths = [ "/srv/photos" ];
  atelier.backup = {
    enable = true;
    repositories.default = {
      repository = "/srv/restic";
      passwordFile = "/run/keys/restic";
    };
  };
}
