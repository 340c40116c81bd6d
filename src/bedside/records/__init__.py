"""Medical record copies (病案复印): request, identity check, fee, copying and delivery."""
