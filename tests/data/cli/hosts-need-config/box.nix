{ system.kind = "server"; }
