name: "/srv/pkgs/${name}"
