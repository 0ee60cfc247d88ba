"""Personal data masked in free text (log lines), and identifiers an operator needs left whole."""

from hotline.masking import mask_text


def test_mobile_numbers_and_id_numbers_in_free_text_are_masked():
    line = '{"message": "来电 +8613800138000 电话13912345678, ID 11010119900307451X"}'
    masked = mask_text(line)
    assert "13800138000" not in masked and "13912345678" not in masked
    assert "138****8000" in masked and "139****5678" in masked
    assert "1101**********451X" in masked


def test_call_sids_stay_whole_even_when_they_hold_a_run_of_digits_like_a_mobile_number():
    # A CallSid is 32 hex digits; one that holds "16212343954" must still be greppable in the logs.
    sid = "CA649dcda46b5f470c87c5f16212343954"
    assert mask_text(f'{{"request_id": "{sid}"}}') == f'{{"request_id": "{sid}"}}'
