{ stdenv }:
stdenv.mkDerivation { name = "hello"; meta.platforms = [ "x86_64-linux" ]; }
