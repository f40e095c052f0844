"""What the page asks and says: :mod:`.service` (requests of many students, the controls'
rules), :mod:`.views` (the panels), :mod:`.teaching` and :mod:`.trust` (teaching views)."""
