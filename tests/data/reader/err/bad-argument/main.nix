let f = { name, dataDir }: dataDir; in
f { name = "x"; }
