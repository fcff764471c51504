"""The Jupyter project's own kernel test suite, run against Huntbook.

Every attribute is filled, so every test of `jupyter_kernel_test` runs; none is skipped."""

import unittest

import jupyter_kernel_test as jkt


class HuntbookKernelTests(jkt.KernelTests):
    kernel_name = "huntbook"
    language_name = "huntbook"
    file_extension = ".hunt"

    code_hello_world = "%echo hello, world"
    code_stderr = "%echo --stderr something went to stderr"

    completion_samples = [
        {"text": "%ipt", "matches": {"%iptype"}},
        {"text": "%ech", "matches": {"%echo"}},
        {"text": "%%s", "matches": {"%%sql"}},
        {"text": "%load x.csv --for", "matches": {"--format"}},
        {"text": "%load x.csv --format p", "matches": {"parquet"}},
    ]
    complete_code_samples = [
        "%iptype 8.8.8.8",
        "%echo hello",
        "%%sql\nSELECT 1 AS one\n\n",
        "%%sql\nSELECT 1 AS one;",
        "%iptype?",
    ]
    incomplete_code_samples = [
        "%%sql",
        "%%sql\nSELECT *",
        "%echo 'unclosed",
        "%load a.csv \\",
    ]
    invalid_code_samples = [
        "%nosuchmagic",
        "%load",
        "%load a.csv --nosuchoption",
        "%%iptype 8.8.8.8\n",
    ]

    code_page_something = "%iptype?"
    code_generate_error = "%nosuchmagic 1"
    code_execute_result = [
        {"code": "%iptype 8.8.8.8", "result": "Public"},
        {"code": "%iptype 10.1.2.3", "result": "Private"},
        {"code": "%iptype ::1", "result": "Loopback"},
    ]
    code_display_data = [
        {"code": "%help", "mime": "text/html"},
        {"code": "%help iptype", "mime": "text/plain"},
    ]
    supported_history_operations = ("tail", "range", "search")
    code_history_pattern = "%iptype 8.8*"
    code_inspect_sample = "%iptype"
    code_clear_output = "%echo draft\n%clear"


class HuntbookIopubWelcomeTests(jkt.IopubWelcomeTests):
    kernel_name = "huntbook"
    support_iopub_welcome = True


if __name__ == "__main__":
    unittest.main()
