"""A local SMTP server for the e-mail tests: aiosmtpd (an independent implementation of
SMTP) accepts every message; Python's own e-mail parser reads it as MIME; one JSON line
per message is appended to the output file.

Usage: python smtp_sink.py <port> <output.jsonl>
"""
import json
import sys
import time
from email import policy
from email.parser import BytesParser
from html.parser import HTMLParser

from aiosmtpd.controller import Controller


class Cells(HTMLParser):
    """The text of an HTML document's table cells, row by row (Python's own HTML parser:
    what the tests compare is what a reader of the HTML part sees)."""

    def __init__(self):
        super().__init__()
        self.rows, self.row, self.cell = [], None, None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.row = []
        elif tag in ("td", "th"):
            self.cell = ""

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.row is not None:
            self.row.append(self.cell or "")
            self.cell = None
        elif tag == "tr" and self.row is not None:
            self.rows.append(self.row)
            self.row = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data


class Sink:
    def __init__(self, out):
        self.out = out

    async def handle_DATA(self, server, session, envelope):
        msg = BytesParser(policy=policy.default).parsebytes(envelope.content)
        body = msg.get_body(preferencelist=("plain",))
        html = msg.get_body(preferencelist=("html",))
        cells = None
        if html is not None:
            parser = Cells()
            parser.feed(html.get_content())
            cells = parser.rows
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "from": str(msg["From"]),
            "to": str(msg["To"]),
            "subject": str(msg["Subject"]),
            "message_id": str(msg["Message-ID"]),
            "content_type": msg.get_content_type(),
            "body": body.get_content() if body is not None else None,
            "html": html.get_content() if html is not None else None,
            "html_table_rows": cells,
        }
        with open(self.out, "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")
        return "250 OK"


def main():
    port, out = int(sys.argv[1]), sys.argv[2]
    controller = Controller(Sink(out), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    try:
        while True:
            time.sleep(3600)
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
