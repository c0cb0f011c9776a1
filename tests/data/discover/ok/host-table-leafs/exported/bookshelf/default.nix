{ inputs, ... }:
{
  imports = [
    (inputs.atelier.lib.mkService {
      name = "bookshelf";
      extraConfig = svc: {
        atelier.services.bookshelf.data.sqlite = "${svc.dataDir}/shelf.db";
      };
    })
  ];
  atelier.services.bookshelf.enable = true;
}
