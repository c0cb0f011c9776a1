{
  atelier.services.bookshelf.data.files = [ "/srv/shelf/covers" ];
}
