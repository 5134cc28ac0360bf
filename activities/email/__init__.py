"""E-mail (spec 2.3.1): templates with merge fields, composing and sending from a record (outbound
part); inbound*.py modules read what people BCC or forward to the dropbox."""
