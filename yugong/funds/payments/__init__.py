"""Payment providers shared by every scenario (``base``), WeChat Pay API v3 (``wechatpay``)."""
